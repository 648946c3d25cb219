"""The engine: checks and exercises (:mod:`.model`), errors (:mod:`.errors`), grading one
submission (:mod:`.grading`), exercise discovery (:mod:`.registry`), the course TOML
(:mod:`.config`) and the report model with its renderers (:mod:`.report`).

It never names an exercise; it runs submissions through :mod:`checkers.sandbox`.
"""
