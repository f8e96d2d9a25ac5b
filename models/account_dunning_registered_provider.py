import logging

from odoo import api, fields, models
from odoo.tools import format_date

from .account_dunning_action import VALIDATED_STATES

_logger = logging.getLogger(__name__)

# What a provider may fill on a formal notice (plus `proof`, see
# `_fetch_registered_mail`).
PROVIDER_FIELDS = ("registered_mail_ref", "posted_date", "received_date")


class AccountDunningRegisteredProvider(models.AbstractModel):
    """Registered mail: what may be recorded on a formal notice (dates,
    proof), and the door an electronic registered-mail service (LRE, or a postal
    operator's tracking) comes through: no provider is shipped.

    A provider module inherits this model and overrides
    `_fetch_registered_mail`; the nightly run and the reminder's button
    "Update from the provider" call `_fetch_updates`, which records what the
    providers return exactly as a user would with the quick entry (same date
    checks, the proof attached to the reminder).
    """

    _name = "account.dunning.registered.provider"
    _description = "Registered mail provider"

    # ------------------------------------------------------------
    # HOOKS (override in a provider module)
    # ------------------------------------------------------------

    @api.model
    def _fetch_registered_mail(self, actions):
        """What the providers know of the formal notices `actions`, as
        {reminder id: values}: any of `registered_mail_ref`, `posted_date`,
        `received_date` (dates), and `proof` as {"name": file name, "raw":
        bytes} (the acknowledgement or the proof of deposit). A provider
        calls super() and adds the notices it handles (for example those whose
        `registered_mail_mode` is "lre"). Nothing here: no provider shipped."""
        return {}

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_dates_error(self, posted_date, received_date):
        """Why these registered mail dates cannot be recorded (False if they
        can): the quick entry and the providers check them before writing
        anything, the reminder's constraint guards every other path."""
        today = fields.Date.context_today(self)
        if posted_date and posted_date > today:
            return self.env._(
                "The posting date (%(date)s) cannot be in the future.",
                date=format_date(self.env, posted_date),
            )
        if received_date and received_date > today:
            return self.env._(
                "The date of receipt (%(date)s) cannot be in the future.",
                date=format_date(self.env, received_date),
            )
        if posted_date and received_date and received_date < posted_date:
            return self.env._(
                "The date of receipt (%(received)s) cannot be before the posting "
                "date (%(posted)s).",
                received=format_date(self.env, received_date),
                posted=format_date(self.env, posted_date),
            )
        return False

    @api.model
    def _attach_proof(self, action, name, raw):
        """The scanned proof (acknowledgement of receipt, bailiff's deed),
        attached to the formal notice it proves."""
        return self.env["ir.attachment"].create(
            {"name": name, "raw": raw, "res_model": action._name, "res_id": action.id}
        )

    @api.model
    def _get_pending_notices(self, company=None):
        """Formal notices sent by registered mail whose receipt is unknown."""
        domain = [
            ("awaiting_receipt", "=", True),
            ("state", "in", VALIDATED_STATES),
        ]
        if company:
            domain.append(("company_id", "=", company.id))
        return self.env["account.dunning.action"].search(domain)

    @api.model
    def _fetch_updates(self, actions=None, company=None):
        """Record what the providers know of `actions` (default: the notices
        of `company` awaiting receipt); returns the reminders updated. Values
        a user could not enter (a date of receipt in the future, before the
        posting date) are left out with a warning in the log, never written.
        """
        if actions is None:
            actions = self._get_pending_notices(company)
        if not actions:
            return actions
        updates = self._fetch_registered_mail(actions)
        updated = actions.browse()
        for action in actions.filtered(lambda a: a.id in updates):
            values = updates[action.id]
            vals = {name: values[name] for name in PROVIDER_FIELDS if name in values}
            error = self._get_dates_error(
                vals.get("posted_date", action.posted_date),
                vals.get("received_date", action.received_date),
            )
            if error:
                _logger.warning(
                    "Registered mail update of reminder %s ignored: %s",
                    action.id,
                    error,
                )
                continue
            proof = values.get("proof")
            if proof:
                vals["proof_attachment_id"] = self._attach_proof(
                    action, proof["name"], proof["raw"]
                ).id
            if vals:
                action.write(vals)
                updated |= action
        return updated
