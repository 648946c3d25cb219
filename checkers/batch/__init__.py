"""Grading a class: the SQLite gradebook (:mod:`.gradebook`), tasks and their scheduling on
local processes or Dask (:mod:`.tasks`, :mod:`.procs`, :mod:`.run`), exports
(:mod:`.exports`) and the HTML class report (:mod:`.html_report`)."""
