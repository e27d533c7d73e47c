"""Imports of students (with guardians) and of schools. Implemented in the next commit."""


def students_import(*, actor, school, file, file_name):
    raise NotImplementedError


def schools_import(*, actor, file, file_name):
    raise NotImplementedError
