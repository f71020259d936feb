"""A database router that keeps django-rq's table-less model out of the database's tools.

django-rq's ``Dashboard`` exists only to hang its admin page on (``managed =
False``, no table). ``manage.py dumpdata`` asks every model for its rows unless a
router says the model does not live in that database, and would stop at it:
"relation django_rq_dashboard does not exist". Nothing else is routed.
"""


class TablelessModelsRouter:
    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        if app_label == "django_rq" and model_name == "dashboard":
            return False
        return None
