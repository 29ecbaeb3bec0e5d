"""cities"""
