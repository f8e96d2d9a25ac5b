from odoo import fields, models


class AccountDunningRole(models.Model):
    """Role of a contact in a customer's organisation (accounts payable, CFO...).

    Levels name the roles they address, so reminders reach the person who can
    actually pay in a large organisation.
    """

    _name = "account.dunning.role"
    _description = "Dunning contact role"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(code)", "The code of a contact role must be unique."),
    ]
