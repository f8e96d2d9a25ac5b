from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        """The outcomes of the reminder emails sent by this call are applied
        to their reminders at once, in a few queries (see
        `account.dunning.delivery._queue_email_outcomes`)."""
        res = super().send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            post_send_callback=post_send_callback,
        )
        self.env["account.dunning.delivery"]._apply_email_outcomes()
        return res

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        # before super(), which deletes the emails sent with auto_delete
        self.env["account.dunning.delivery"]._queue_email_outcomes(
            self, failure_reason=failure_reason, failure_type=failure_type
        )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
