"""The parts of ``extract_state_machines`` (see ``semgraph.dag.extract``)."""
