; app.get("/path", ..., handler), router.post(...), queue.process("name", handler),
; program.command("name").action(handler): member calls whose first argument is a string.
(call_expression
  function: (member_expression object: (_) @obj property: (property_identifier) @method)
  arguments: (arguments . (string) @first) @args) @call

; commander: .action(handler) after .command("name")
(call_expression
  function: (member_expression
    object: (call_expression
      function: (member_expression property: (property_identifier) @cmd_method)
      arguments: (arguments . (string) @cmd_name))
    property: (property_identifier) @action_method)
  arguments: (arguments . (_) @action_handler)) @action_call

; BullMQ: new Worker("queue", processor, options)
(new_expression
  constructor: (identifier) @worker_class
  arguments: (arguments . (string) @worker_queue . (_) @worker_handler)) @worker

; router.route("/x").get(h).post(h2) (Express): verb calls on a route() chain
(call_expression
  function: (member_expression
    object: (call_expression)
    property: (property_identifier) @chain_verb)
  arguments: (arguments)) @chain
