"""Chat commands: their values (command_values.py), parsing (parse.py), the platform-neutral
command layer with its flood throttle, and the platform bindings."""
