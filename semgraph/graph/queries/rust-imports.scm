(use_declaration) @import.use
(mod_item !body) @import.mod
