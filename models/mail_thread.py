from odoo import api, models


class MailThread(models.AbstractModel):
    """What Odoo's mail gateway receives about the reminder emails: a bounce
    fails the reminder (`account.dunning.delivery`), a reply of the customer
    goes to the customer's chatter (`account.dunning.reply`)."""

    _inherit = "mail.thread"

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        """The customer's mail server sent a reminder email back: the reminder
        did not reach that recipient. (Odoo counts the bounce on the contacts
        with that address, `message_bounce`: the next night reminds them by
        letter or call instead, `account.dunning.rule`.)"""
        res = super()._routing_handle_bounce(email_message, message_dict)
        bounced = message_dict.get("bounced_message")
        email = message_dict.get("bounced_email")
        if email and bounced and bounced.model == "account.dunning.action":
            actions = self.env["account.dunning.action"].sudo().browse(bounced.res_id)
            self.env["account.dunning.delivery"]._record_email_bounce(
                actions.exists(), email
            )
        return res

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """A reply to a reminder email is routed to the reminder it answers
        (the record the email was sent from): it goes to the customer's
        chatter instead, and the work queue shows the customer as replied."""
        Reply = self.env["account.dunning.reply"]
        routes, answered = Reply._reroute(routes, message_dict)
        thread_id = super()._message_route_process(message, message_dict, routes)
        Reply._record(answered, message_dict)
        return thread_id
