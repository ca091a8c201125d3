(import_spec) @import
(package_clause) @package
