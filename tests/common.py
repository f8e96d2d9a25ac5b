import subprocess
import tempfile
from datetime import date, datetime, time, timedelta

from freezegun import freeze_time

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def pdf_text(raw):
    """The text of a PDF as poppler reads it (what a person sees)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(raw)
        pdf.flush()
        return subprocess.run(
            ["pdftotext", "-layout", pdf.name, "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout


def pdf_pages(raw):
    """Number of pages of a PDF (poppler's pdfinfo)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(raw)
        pdf.flush()
        info = subprocess.run(
            ["pdfinfo", pdf.name], capture_output=True, check=True, text=True
        ).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if "Pages" in line))


# Note of the reminders `DunningCommon._set_level` records as sent before a test.
EARLIER_REMINDER = "Earlier reminder (test set-up)"


class DunningCommon(AccountTestInvoicingCommon):
    """A French company with the shipped policies and helpers to post invoices
    and run the nightly job on a given day."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.partner_id.write(
            {"street": "1 rue de la République", "zip": "69001", "city": "Lyon"}
        )
        cls.policy = cls.company.dunning_policy_id
        levels = cls.policy._get_ordered_levels()
        (
            cls.level_before,
            cls.level_first,
            cls.level_call,
            cls.level_second,
            cls.level_last_call,
            cls.level_notice,
        ) = levels
        cls.customer = cls._create_customer("Boulangerie Martin")
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_dunning.batch_size", 1000
        )
        # one nightly run per company (the parts shared by the cron workers
        # have their own tests)
        cls.env["ir.config_parameter"].sudo().set_param("account_dunning.workers", 1)

    @classmethod
    def _use_chart_template(cls, company, chart_template_ref=None):
        res = super()._use_chart_template(company, chart_template_ref)
        # The planner knows nothing of the chart just inserted in this transaction
        # and picks nested loops that take a minute on Odoo's own account lookups.
        cls.env.flush_all()
        cls.env.cr.execute(
            "ANALYZE account_account, account_account_res_company_rel, res_company"
        )
        return res

    @classmethod
    def _create_customer(cls, name, **vals):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "email": "compta@{}.example.com".format(name.lower().replace(" ", "-")),
                "phone": "+33 4 78 00 00 00",
                "mobile": "+33 6 12 34 56 78",
                "street": "12 rue des Lilas",
                "zip": "69003",
                "city": "Lyon",
                "country_id": cls.env.ref("base.fr").id,
                **vals,
            }
        )

    @classmethod
    def _create_user(cls, login, group_xmlid):
        """A user of the test company holding only `group_xmlid`."""
        return cls.env["res.users"].create(
            {
                "name": login.replace("_", " ").title(),
                "login": login,
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [Command.set(cls.env.ref(group_xmlid).ids)],
            }
        )

    @classmethod
    def _create_invoice(cls, partner, due, amount=1000.0, invoice_date=None, post=True):
        due = fields.Date.to_date(due)
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date or due,
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Prestation",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _set_level(cls, invoices, level, day=None):
        """The invoices as if an earlier night had reminded them at `level`, on
        `day` (by default the day the level fell due): a sent reminder in their
        history, which is where an invoice's level is read."""
        Action = cls.env["account.dunning.action"].with_context(
            mail_create_nolog=True, tracking_disable=True
        )
        for partner, moves in invoices.grouped("commercial_partner_id").items():
            Action.create(
                {
                    "company_id": moves.company_id.id,
                    "partner_id": partner.id,
                    "level_id": level.id,
                    "date": day
                    or max(moves.mapped("invoice_date_due"))
                    + timedelta(days=level.delay),
                    "channel": level._get_channels()[0],
                    "state": "done",
                    "note": EARLIER_REMINDER,
                    "amount_due": sum(moves.mapped("amount_residual")),
                    "line_ids": [
                        Command.create(
                            {
                                "move_id": move.id,
                                "level_id": level.id,
                                "date_due": move.invoice_date_due,
                                "amount_total": move.amount_total,
                                "amount_residual": move.amount_residual,
                            }
                        )
                        for move in moves
                    ],
                }
            )
        return invoices

    def _pay(self, invoices, amount=None, day=None):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"payment_date": day or fields.Date.today()})
        )
        if amount is not None:
            wizard.amount = amount
        return wizard._create_payments()

    def _run_cron(self, day, deliver=True, pdfs=True):
        """The nightly job as it runs on `day` (noon, company time); with
        `pdfs`, its later step then renders the invoice PDFs emails wait for
        (`_render_invoice_pdfs`); with `deliver`, Odoo's mail queue then sends
        the reminder emails, as its scheduler does right after the night
        (`_send_reminder_emails`)."""
        day = fields.Date.to_date(day)
        cron = self.env.ref("account_dunning.account_dunning_cron_run").sudo()
        with freeze_time(datetime.combine(day, time(12, 0))):
            cron.method_direct_trigger()
            if pdfs:
                self._render_invoice_pdfs()
        if deliver:
            self._send_reminder_emails()
        return self.env["account.dunning.run"].search(
            [
                ("company_id", "=", self.company.id),
                ("date", "=", day),
                ("trigger", "=", "cron"),
            ],
            order="id desc",
            limit=1,
        )

    def _run(self, day, company=None, deliver=True):
        """A run of the nightly job for `day`; with `deliver`, Odoo's mail
        queue then sends the reminder emails (`_send_reminder_emails`)."""
        run = self.env["account.dunning.run"].create(
            {"company_id": (company or self.company).id, "date": day}
        )
        run.action_run()
        self._render_invoice_pdfs()
        if deliver:
            self._send_reminder_emails()
        return run

    def _render_invoice_pdfs(self):
        """The later step of the night, which a finished run triggers: the
        job renders the invoice PDFs that reminder emails wait for (Odoo kept
        none for these invoices), then composes those emails. In test mode
        Odoo's report engine gives HTML, not a PDF: the emails leave without
        them (tests of real PDFs render with wkhtmltopdf in an HttpCase)."""
        cron = self.env.ref("account_dunning.account_dunning_cron_invoice_pdf")
        Pdf = self.env["account.dunning.invoice.pdf"]
        for _call in range(10):
            if not Pdf._fetch_missing(1):
                return
            cron.sudo().method_direct_trigger()
        raise AssertionError("invoice PDFs still missing after ten calls")

    def _send_reminder_emails(self):
        """Odoo's mail queue sends the reminder emails waiting in it: an email
        reminder counts (done, its invoices one level up) once the mail server
        took it. In test mode Odoo's mail server takes every email; the tests
        of failures mock the SMTP connection as Odoo's own mail tests do."""
        self.env["mail.mail"].sudo().with_context(
            filters=[("model", "=", "account.dunning.action")]
        ).process_email_queue()

    def _actions(self, partner=None, **domain):
        """The customer's reminders, but those `_set_level` put in the history."""
        search = [
            ("partner_id", "=", (partner or self.customer).id),
            ("note", "!=", EARLIER_REMINDER),
        ]
        search += [(key, "=", value) for key, value in domain.items()]
        return self.env["account.dunning.action"].search(search, order="date, id")

    @staticmethod
    def _d(value):
        return value if isinstance(value, date) else fields.Date.to_date(value)
