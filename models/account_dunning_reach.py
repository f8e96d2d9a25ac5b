"""Who can be reached, through which channel: a part of the escalation rule
(`account.dunning.rule` inherits it), kept in its own file so the rule's file
stays readable; every caller still asks the rule."""

from odoo import api, models
from odoo.osv import expression


class AccountDunningReach(models.AbstractModel):
    """Whether a customer can be reached by a channel, and the channel used
    instead of an email that bounces."""

    _name = "account.dunning.reach"
    _description = "Dunning rule: who can be reached"

    # ------------------------------------------------------------
    # WHO CAN BE REACHED
    # ------------------------------------------------------------

    @api.model
    def _get_unreachable_reason(self, channel, partner, contacts):
        """Why a reminder through `channel` cannot reach the customer `partner`
        at its recipients `contacts`, else None."""
        if channel == "email" and not any(contact.email for contact in contacts):
            return self.env._("No email address for this customer.")
        if channel == "email" and (bouncing := self._get_bouncing_emails(contacts)):
            return self.env._(
                "The email address of this customer bounces (%(emails)s): "
                "correct it on the contact.",
                emails=", ".join(bouncing),
            )
        if channel == "sms" and not any(
            contact.phone_sanitized or contact.mobile for contact in contacts
        ):
            return self.env._("No mobile phone number for this customer.")
        if channel == "call" and not any(
            contact.phone or contact.mobile for contact in (*contacts, partner)
        ):
            return self.env._("No phone number for this customer.")
        if channel == "letter" and not (
            partner.street and partner.city and partner.zip
        ):
            return self.env._("No complete postal address for this customer.")
        return None

    @api.model
    def _get_bouncing_emails(self, contacts):
        """The recipients' email addresses when all of them bounce (a mail
        server sent an email back: Odoo counts it on the contact,
        `message_bounce`, until an email comes from the address or it is
        changed), else an empty list."""
        addressed = [contact for contact in contacts if contact.email]
        if all(contact.message_bounce for contact in addressed):
            return [contact.email for contact in addressed]
        return []

    @api.model
    def _get_fallback_channels(self, channels, partner, contacts):
        """A level's `channels` for the customer `partner` at its recipients
        `contacts`: when the email would bounce, the letter instead if the
        customer has a complete postal address, else a call task. Returns
        (channels, the channel used instead of the email, why)."""
        bouncing = "email" in channels and self._get_bouncing_emails(contacts)
        if not bouncing:
            return channels, None, None
        letter = not self._get_unreachable_reason("letter", partner, contacts)
        fallback = "letter" if letter else "call"
        return (
            tuple(dict.fromkeys(fallback if c == "email" else c for c in channels)),
            fallback,
            self.env._(
                "Instead of the email: the address %(emails)s bounces.",
                emails=", ".join(bouncing),
            ),
        )

    @api.model
    def _get_unreachable_domain(self):
        """`_get_unreachable_reason` as a domain on reminders (their channel,
        customer `partner_id` and recipients `contact_ids`): the reminders
        that cannot reach their customer, for searching and counting them."""
        phone = ["|", ("phone", "!=", False), ("mobile", "!=", False)]
        mobile = ["|", ("phone_sanitized", "!=", False), ("mobile", "!=", False)]
        by_channel = {
            "email": [
                (
                    "contact_ids",
                    "not any",
                    [("email", "!=", False), ("message_bounce", "<=", 0)],
                )
            ],
            "sms": [("contact_ids", "not any", mobile)],
            "call": [
                ("contact_ids", "not any", phone),
                ("partner_id.phone", "=", False),
                ("partner_id.mobile", "=", False),
            ],
            "letter": [
                "|",
                "|",
                ("partner_id.street", "=", False),
                ("partner_id.city", "=", False),
                ("partner_id.zip", "=", False),
            ],
        }
        return expression.OR(
            [
                expression.AND([[("channel", "=", channel)], domain])
                for channel, domain in by_channel.items()
            ]
        )
