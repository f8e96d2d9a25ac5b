from odoo import api, fields, models
from odoo.exceptions import ValidationError

# A private person is always given at least 15 days to pay (DOMAIN.md §3.3).
B2C_MIN_DEADLINE_DAYS = 15
# How a level's letters leave: printed by the company, or posted by Odoo's
# postal service (snailmail).
SEND_MODES = [("print", "Print here"), ("post", "Send by post")]


class AccountDunningLevel(models.Model):
    """One step of a policy: when it applies (delay) and how the customer is told."""

    _name = "account.dunning.level"
    _description = "Dunning level"
    _order = "policy_id, sequence, delay, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "account.dunning.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="policy_id.company_id", store=True, index=True, precompute=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    delay = fields.Integer(
        required=True,
        help="Days after the due date when this level applies; negative for a "
        "reminder before the due date (e.g. -5).",
    )
    send_email = fields.Boolean(string="Email")
    send_sms = fields.Boolean(string="SMS")
    send_letter = fields.Boolean(string="Letter")
    send_mode = fields.Selection(
        SEND_MODES,
        string="Letters",
        default="print",
        required=True,
        help="Print here: the letters wait to be printed and posted by hand. "
        "Send by post: Odoo's postal service (IAP snailmail credits) prints "
        "and posts them once they are confirmed.",
    )
    create_activity = fields.Boolean(string="Phone call")
    is_formal_notice = fields.Boolean(
        string="Formal notice",
        help="Mise en demeure: a letter sent by registered mail once a credit "
        "manager has approved it. It must be the last level of its policy.",
    )
    auto_execute = fields.Boolean(
        string="Automatic",
        default=True,
        help="Sent by the nightly job without confirmation. Otherwise the reminder "
        "waits in the work queue until a user confirms it.",
    )
    apply_penalties = fields.Boolean(
        help="Mention the late-payment penalties and the fixed recovery indemnity."
    )
    attach_invoices = fields.Boolean(
        string="Attach invoices", help="Attach the PDF of each invoice to the email."
    )
    role_ids = fields.Many2many(
        "account.dunning.role",
        string="Contact roles",
        help="Contacts of the customer who receive this reminder; when none has "
        "these roles, the invoice address is used, then the customer itself.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        domain=[("model", "=", "account.dunning.action")],
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS template",
        domain=[("model", "=", "account.dunning.action")],
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity type",
        default=lambda self: self.env.ref(
            "mail.mail_activity_data_call", raise_if_not_found=False
        ),
    )
    letter_body = fields.Html(
        translate=True, help="Text of the letter, above the table of invoices."
    )
    payment_deadline_days = fields.Integer(
        string="Days to pay",
        default=8,
        help="Period the letter gives the customer to pay, from its receipt; "
        "private persons always get at least 15 days.",
    )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("payment_deadline_days")
    def _check_payment_deadline_days(self):
        for level in self:
            if not 1 <= level.payment_deadline_days <= 90:
                raise ValidationError(
                    self.env._(
                        "The level “%(level)s” must give the customer between 1 and "
                        "90 days to pay.",
                        level=level.name,
                    )
                )

    @api.constrains("send_email", "send_sms", "send_letter", "create_activity")
    def _check_channel(self):
        for level in self:
            if not level._get_channels():
                raise ValidationError(
                    self.env._(
                        "The level “%(level)s” must use at least one channel: email, "
                        "SMS, letter or phone call.",
                        level=level.name,
                    )
                )

    @api.constrains("send_email", "mail_template_id", "send_sms", "sms_template_id")
    def _check_templates(self):
        for level in self:
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "The level “%(level)s” sends an email: choose its email "
                        "template.",
                        level=level.name,
                    )
                )
            if level.send_sms and not level.sms_template_id:
                raise ValidationError(
                    self.env._(
                        "The level “%(level)s” sends an SMS: choose its SMS template.",
                        level=level.name,
                    )
                )

    @api.constrains("is_formal_notice", "auto_execute", "send_letter")
    def _check_formal_notice(self):
        for level in self.filtered("is_formal_notice"):
            if level.auto_execute:
                raise ValidationError(
                    self.env._(
                        "The formal notice “%(level)s” cannot be automatic: a credit "
                        "manager must approve it before it leaves.",
                        level=level.name,
                    )
                )
            if not level.send_letter:
                raise ValidationError(
                    self.env._(
                        "The formal notice “%(level)s” must be sent as a letter "
                        "(registered mail).",
                        level=level.name,
                    )
                )

    @api.constrains("sequence", "delay", "is_formal_notice", "policy_id")
    def _check_level_order(self):
        for policy in self.policy_id:
            levels = policy._get_ordered_levels()
            for previous, level in zip(levels, levels[1:], strict=False):
                if level.delay <= previous.delay:
                    raise ValidationError(
                        self.env._(
                            "In the policy “%(policy)s”, the delays must increase "
                            "from one level to the next: “%(level)s” (%(delay)s days) "
                            "comes after “%(previous)s” (%(previous_delay)s days).",
                            policy=policy.name,
                            level=level.name,
                            delay=level.delay,
                            previous=previous.name,
                            previous_delay=previous.delay,
                        )
                    )
            notices = levels.filtered("is_formal_notice")
            if notices and (len(notices) > 1 or notices != levels[-1]):
                raise ValidationError(
                    self.env._(
                        "In the policy “%(policy)s”, the formal notice must be the "
                        "last level, and there can be only one.",
                        policy=policy.name,
                    )
                )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_channels(self):
        """Channels of this level, in the order they are executed."""
        self.ensure_one()
        channels = []
        if self.send_email:
            channels.append("email")
        if self.send_sms:
            channels.append("sms")
        if self.send_letter:
            channels.append("letter")
        if self.create_activity:
            channels.append("call")
        return channels

    def _get_deadline_days(self, category):
        """Days the customer is given to pay after receiving the letter: a
        private person always gets at least 15 (DOMAIN.md §3.3)."""
        self.ensure_one()
        if category == "b2c":
            return max(self.payment_deadline_days, B2C_MIN_DEADLINE_DAYS)
        return self.payment_deadline_days

    def _get_letter_tone(self):
        """How firm the letter reads: a courtesy note before the due date, a
        friendly reminder at the first written step after it, firm afterwards,
        formal for the notice (seeds 002 and 003: never threatening early)."""
        self.ensure_one()
        if self.is_formal_notice:
            return "notice"
        if self.delay < 0:
            return "courtesy"
        written = self.policy_id._get_ordered_levels().filtered(
            lambda lv: lv.delay >= 0 and (lv.send_email or lv.send_letter)
        )
        if not written or written[0] == self or self.delay <= written[0].delay:
            return "first"
        return "second"
