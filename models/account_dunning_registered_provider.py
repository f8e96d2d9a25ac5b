import logging

from odoo import api, models

from .account_dunning_action import VALIDATED_STATES

_logger = logging.getLogger(__name__)

# What a provider may fill on a formal notice (plus `proof`, see
# `_fetch_registered_mail`).
PROVIDER_FIELDS = ("registered_mail_ref", "posted_date", "received_date")


class AccountDunningRegisteredProvider(models.AbstractModel):
    """The door an electronic registered-mail service (LRE, or a postal
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
            error = action._get_registered_dates_error(
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
                vals["proof_attachment_id"] = action._attach_proof(
                    proof["name"], proof["raw"]
                ).id
            if vals:
                action.write(vals)
                updated |= action
        return updated
