; Definitions only JavaScript / JSX has (the rest: ecmascript-tags.scm).
(class_body (field_definition) @def.field)
