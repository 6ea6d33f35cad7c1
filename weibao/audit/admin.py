"""Nothing of the audit trail or the access log is in the framework admin: their rows name
children and say who read which file, and the system administrator sees no child's data
(docs/security.md). They are read in the product, scoped like the objects they are about."""
