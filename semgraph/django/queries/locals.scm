; what a view body does with names: assignments, context["key"] = …, context.update({…}), returns, render(…)
(assignment
  left: (identifier) @assign.name
  right: (_) @assign.value) @assign

(assignment
  left: (subscript
    value: (identifier) @item.obj
    subscript: (string) @item.key)
  right: (_) @item.value) @item

(call
  function: (attribute
    object: (identifier) @update.obj
    attribute: (identifier) @update.method)
  arguments: (argument_list) @update.args
  (#eq? @update.method "update")) @update

(return_statement (_) @return.value) @return

(call
  function: (identifier) @render.func
  arguments: (argument_list) @render.args
  (#any-of? @render.func "render" "TemplateResponse" "render_to_response")) @render

(assignment
  left: (pattern_list) @unpack.names
  right: (_) @unpack.value) @unpack
