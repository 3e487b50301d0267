from django.http import Http404


def evidence_file(request, table_slug: str, pk: int, evidence_pk: int):
    raise Http404
