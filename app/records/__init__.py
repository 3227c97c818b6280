"""A practice's records as a whole: export (JSON, the kept PDFs and a FHIR bundle) and import,
retention and erasure, backup and restore."""
