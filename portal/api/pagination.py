"""Cursor pagination on a unique key: pages stay stable while rows are added."""

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    ordering = "pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
