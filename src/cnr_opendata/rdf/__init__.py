"""Linked data: the mapping declared in the Table Schemas, streaming RDF writers, SHACL shapes,
CSVW metadata and the DCAT-AP catalogue."""
