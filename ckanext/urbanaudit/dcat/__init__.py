"""DCAT profiles of the extension (loaded by ckanext-dcat through the ckan.rdf.profiles entry points)."""
