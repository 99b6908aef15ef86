from django.apps import AppConfig


class MyworkConfig(AppConfig):
    name = "mywork"
    verbose_name = "My work"

    def ready(self) -> None:
        from django.db.models.signals import post_save
        from django.utils.translation import gettext_lazy

        from cases.models import Message
        from cases.panels import QueueTab, case_page_opened, register_queue_tab
        from mywork import unseen, work

        post_save.connect(unseen.message_saved, sender=Message, dispatch_uid="mywork.unseen.message_saved")
        case_page_opened.connect(unseen.case_opened, dispatch_uid="mywork.unseen.case_opened")
        # The queue's lists behind each "and N more" (the queue applies readable_cases and paging to them).
        register_queue_tab(QueueTab(work.VOTE_TAB, gettext_lazy("Awaiting my vote"), work.awaiting_my_vote_q))
        register_queue_tab(QueueTab(work.APPROVE_TAB, gettext_lazy("Letters to approve"), work.letters_to_approve_q))
        register_queue_tab(QueueTab(work.APPEAL_TAB, gettext_lazy("Appeals to decide"), work.appeals_to_decide_q))
        register_queue_tab(QueueTab(work.MESSAGES_TAB, gettext_lazy("New messages from parties"), work.new_messages_q))
