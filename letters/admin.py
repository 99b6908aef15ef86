from django.contrib import admin

from letters.models import LetterTemplate


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin[LetterTemplate]):
    list_display = ("kind", "language", "subject", "updated_at")
    list_filter = ("kind", "language")
    fields = ("kind", "language", "subject", "body")
