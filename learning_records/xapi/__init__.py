"""Pure xAPI rules: validation, IFI keys, response formats, statement comparison.

Nothing here imports Django or touches a database; tests of this package carry no
django_db mark, so a stray query fails them.
"""
