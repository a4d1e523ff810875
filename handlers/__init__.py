"""Chat commands: parsing (parse.py), the platform-neutral command layer, platform bindings."""
