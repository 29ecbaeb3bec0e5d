"""The data itself: resources loaded into CKAN's DataStore by ckanext-xloader (``loading``), their previews,
and the content checks of tabular resources that feed the quality score's "contents" part (``checks``)."""
