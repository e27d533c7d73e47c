"""Pages of a list."""

from django.core import paginator


class Paginator(paginator.Paginator):
    """Django's paginator, but a first page that holds the whole list is not counted by a
    query of its own: its rows are the count. Most schools' lists fit on one page."""

    def get_page(self, number):
        if self.orphans or str(number or "1") != "1":
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.__dict__["count"] = len(rows)  # ``count`` is a cached property
        return self._get_page(rows[: self.per_page], 1, self)
