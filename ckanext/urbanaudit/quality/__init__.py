"""Data-quality score of the inventory: MQA-compatible metrics, link health, history, dashboards."""
