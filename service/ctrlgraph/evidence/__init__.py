"""Organization evidence: parsing uploads, SHACL validation, tenants and keys."""
