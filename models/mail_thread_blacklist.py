from odoo import models
from odoo.tools import email_normalize


class MailThreadBlacklist(models.AbstractModel):
    _inherit = "mail.thread.blacklist"

    def write(self, vals):
        """Odoo counts the bounces of an address on the record that holds it
        (`message_bounce`) and keeps the count when the address is changed:
        a corrected address would still read as bouncing (a customer's
        reminders go by letter while its address bounces). The count
        restarts with the new address."""
        field = self._primary_email
        if field not in vals or "message_bounce" in vals:
            return super().write(vals)
        new_email = email_normalize(vals[field] or "", strict=False)
        corrected = self.filtered(
            lambda record: record.message_bounce
            and record.email_normalized != new_email
        )
        res = super().write(vals)
        if corrected:
            corrected.write({"message_bounce": 0})
        return res
