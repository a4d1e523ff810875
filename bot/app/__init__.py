"""The application: the composition root (`root`) that builds and wires
everything, the command line (`cli`), the service loop and its ticks
(`scheduler`, `service`, `watcher`, `dispatcher`, `digester`, `housekeeping`),
logging and the demo.

The app may import every layer; nothing imports the app. Metrics, health and
worker roles belong here.
"""
