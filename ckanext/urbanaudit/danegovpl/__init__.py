"""Publishing the inventory to the national portal dane.gov.pl: the XML harvester feed
(format 1.10), the CKAN API path and the data steward's preview page."""
