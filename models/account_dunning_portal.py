"""The customer's page (/my/reminders/<token>): the link every reminder gives,
who it opens for, what the page shows, its documents and online payment.
The controller (controllers/portal.py) reads the request and renders; what it
decides is here and in `account.dunning.portal.answer`, so that tests drive it
without a browser."""

import base64
import io
import secrets
from datetime import timedelta

import qrcode

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .account_dunning_action import VALIDATED_STATES

# Links are typed from letters too: no 0/o, 1/l/i. 20 characters out of 31 are
# about 99 bits, out of reach of guessing (and answers are rate-limited).
TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOKEN_LENGTH = 20
# A link opens while the customer was reminded (or the link issued) within
# this many days (system parameter account_dunning.portal_link_days).
DEFAULT_LINK_DAYS = 180
MAX_INSTALMENTS = 24


class DunningPortalRefusal(UserError):
    """An answer the customer's page refuses: its message is shown on the page
    and nothing is written."""


class AccountDunningPortal(models.AbstractModel):
    """The customer's page: its link, what it shows, its documents, paying.

    Called in sudo by the page's controller for a public visitor: every method
    takes the customer found from the link and reads or writes that
    customer's records only (invoice ids sent by the browser are checked
    against its open invoices).
    """

    _name = "account.dunning.portal"
    _description = "Customer page of the reminders"

    # ------------------------------------------------------------
    # LINKS
    # ------------------------------------------------------------

    @api.model
    def _new_token(self):
        return "".join(secrets.choice(TOKEN_ALPHABET) for _i in range(TOKEN_LENGTH))

    @api.model
    def _normalize_token(self, raw):
        """The token of a link as typed or scanned (case, dashes and spaces
        ignored), None when it cannot be one."""
        if not isinstance(raw, str):
            return None
        token = raw.lower().replace("-", "").replace(" ", "")
        if len(token) != TOKEN_LENGTH or set(token) - set(TOKEN_ALPHABET):
            return None
        return token

    @api.model
    def _get_url(self, partner, company=None):
        """The customer's page for the reminders of `company`; False when the
        customer has no link (a contact, or a link not issued yet)."""
        token = partner.sudo().dunning_access_token
        if not token:
            return False
        url = f"{partner.get_base_url()}/my/reminders/{token}"
        main = self.env.ref("base.main_company", raise_if_not_found=False)
        if company and company != main:
            url += f"?company={company.id}"
        return url

    @api.model
    def _get_short_url(self, partner):
        """The link printed on letters, short enough to type: /rl/ and the token
        in groups of four."""
        token = partner.sudo().dunning_access_token
        if not token:
            return False
        code = "-".join(token[i : i + 4] for i in range(0, len(token), 4))
        return f"{partner.get_base_url()}/rl/{code}"

    @api.model
    def _get_qr_data_uri(self, url):
        """A QR code of `url` as an inline PNG: letters are rendered by
        wkhtmltopdf, which should fetch nothing (and reportlab's barcodes need
        a rendering backend that is not always installed)."""
        code = qrcode.QRCode(
            error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=2
        )
        code.add_data(url)
        code.make(fit=True)
        png = io.BytesIO()
        code.make_image().save(png, format="PNG")
        return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()

    @api.model
    def _revoke_link(self, partners):
        if not self.env.user.has_group("account_dunning.group_account_dunning_user"):
            raise UserError(
                self.env._("Only credit controllers can revoke a customer's link.")
            )
        today = self._get_today(self.env.company)
        for partner in partners.sudo():
            partner.write(
                {
                    "dunning_access_token": self._new_token(),
                    "dunning_access_token_date": today,
                }
            )
            partner._message_log(
                body=self.env._(
                    "The link to the customer page was revoked: it opens nothing "
                    "any more, and the next reminders give a new one."
                )
            )

    @api.model
    def _get_link_days(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("account_dunning.portal_link_days")
        )
        try:
            return max(int(value), 1) if value else DEFAULT_LINK_DAYS
        except ValueError:
            return DEFAULT_LINK_DAYS

    @api.model
    def _get_customer(self, raw_token):
        """The customer (commercial entity) a link opens for, else an empty
        recordset: unknown, revoked or expired links open nothing. A link
        expires `_get_link_days` after the later of its issue and the
        customer's last reminder."""
        Partner = self.env["res.partner"].sudo()
        token = self._normalize_token(raw_token)
        if not token:
            return Partner
        customer = Partner.search([("dunning_access_token", "=", token)], limit=1)
        if not customer or customer.commercial_partner_id != customer:
            return Partner
        last = self._get_last_reminder_date(customer)
        start = max(
            filter(None, [customer.dunning_access_token_date, last]), default=None
        )
        # the company's day, as the token and the reminders are dated: the
        # server's UTC day lags behind Paris every night before midnight
        today = self._get_today(customer.company_id or self.env.company)
        if start and start + timedelta(days=self._get_link_days()) < today:
            return Partner
        return customer

    @api.model
    def _get_last_reminder_date(self, customer):
        """Day of the customer's last reminder sent, in any company (answers
        on the page are no reminders)."""
        Action = self.env["account.dunning.action"]
        Action.flush_model(["partner_id", "state", "channel", "date"])
        self.env.cr.execute(
            SQL(
                """
                SELECT MAX(date) FROM account_dunning_action
                 WHERE partner_id = %s AND state IN %s AND channel != 'portal'
                """,
                customer.id,
                VALIDATED_STATES,
            )
        )
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------
    # THE PAGE
    # ------------------------------------------------------------

    @api.model
    def _get_company(self, customer, company_id=None):
        """The company whose invoices the page shows: the one asked for when
        the customer deals with it, else that of its last reminder, of its
        latest open invoice, its own, or the main one."""
        Company = self.env["res.company"].sudo()
        Move = self.env["account.move"].sudo()
        companies = Company.union(
            *(
                company
                for (company,) in Move._read_group(
                    [("commercial_partner_id", "=", customer.id)], ["company_id"]
                )
            )
        )
        if company_id and company_id in companies.ids:
            return Company.browse(company_id)
        last = (
            self.env["account.dunning.action"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", customer.id),
                    ("state", "in", VALIDATED_STATES),
                    ("channel", "!=", "portal"),
                ],
                order="date desc, id desc",
                limit=1,
            )
        )
        if last:
            return last.company_id
        latest = Move.search(
            self._get_open_domain(customer),
            order="invoice_date_due desc, id desc",
            limit=1,
        )
        return (
            latest.company_id
            or customer.company_id
            or companies[:1]
            or Company.search([], limit=1)
        )

    @api.model
    def _get_open_domain(self, customer, company=None):
        return self.env["account.dunning.rule"]._get_open_invoice_domain(company) + [
            ("commercial_partner_id", "=", customer.id)
        ]

    @api.model
    def _get_open_moves(self, customer, company):
        """The customer's open invoices in `company` (posted, something left to
        pay: never a draft nor a cancelled one), oldest due first."""
        return (
            self.env["account.move"]
            .sudo()
            .search(
                self._get_open_domain(customer, company),
                order="invoice_date_due, id",
            )
        )

    @api.model
    def _get_today(self, company):
        return self.env["account.dunning.rule"]._get_company_today(company)

    @api.model
    def _get_page_values(self, customer, company):
        """What the page shows: the company's letterhead and contact, the open
        invoices with their figures, totals per currency less the credits not
        yet applied, bank details, what the customer already said, and what
        the answer forms offer."""
        today = self._get_today(company)
        moves = self._get_open_moves(customer, company)
        invoices = [
            {
                "move": move,
                "currency": move.currency_id,
                "paid": move.amount_total - move.amount_residual,
                "days_late": max((today - move.invoice_date_due).days, 0),
                "reference": move.payment_reference or move.name,
            }
            for move in moves
        ]
        credits = (
            self.env["account.dunning.claim"]
            .sudo()
            ._read_open_credits(company, customer.ids, today)
            .get(customer.id, [])
        )
        Currency = self.env["res.currency"].sudo()
        totals = []
        for currency in moves.currency_id | Currency.browse(
            [credit.currency_id for credit in credits]
        ):
            due = sum(m.amount_residual for m in moves if m.currency_id == currency)
            overdue = sum(
                m.amount_residual
                for m in moves
                if m.currency_id == currency and m.invoice_date_due < today
            )
            credited = sum(c.amount for c in credits if c.currency_id == currency.id)
            totals.append(
                {
                    "currency": currency,
                    "due": currency.round(due),
                    "overdue": currency.round(overdue),
                    "credits": currency.round(credited),
                    "net": currency.round(max(due - credited, 0.0)),
                }
            )
        policy = customer._get_dunning_policy(company)
        of_customer = [
            ("partner_id", "=", customer.id),
            ("company_id", "=", company.id),
            ("state", "=", "open"),
        ]
        return {
            "customer": customer,
            "company": company,
            "today": today,
            "invoices": invoices,
            "totals": totals,
            "credits": [
                dict(credit._asdict(), currency=Currency.browse(credit.currency_id))
                for credit in credits
            ],
            "bank": company.partner_id.sudo().bank_ids[:1],
            "contact": customer.with_company(company)._get_dunning_responsible(),
            "promises": self.env["account.dunning.promise"].sudo().search(of_customer),
            "disputes": self.env["account.dunning.dispute"].sudo().search(of_customer),
            "declarations": self.env["account.dunning.declaration"]
            .sudo()
            .search(of_customer),
            "reasons": self._get_reasons(company),
            "payment_methods": [
                (key, label)
                for key, label in self.env["account.dunning.declaration"]
                ._fields["payment_method"]
                ._description_selection(self.env)
            ],
            "promise_horizon": today + timedelta(days=policy.portal_promise_days or 30),
            "max_instalments": MAX_INSTALMENTS,
            "short_url": self._get_short_url(customer),
        }

    @api.model
    def _get_reasons(self, company):
        """The reasons a customer may give for a dispute (the catalogue's
        customer-facing ones)."""
        return (
            self.env["account.dunning.reason"]
            .sudo()
            .search(
                [
                    ("customer_facing", "=", True),
                    ("company_id", "in", (company.id, False)),
                ]
            )
        )

    # ------------------------------------------------------------
    # DOCUMENTS
    # ------------------------------------------------------------

    @api.model
    def _get_invoice_pdf(self, customer, move_id):
        """(file name, content, mimetype) of the customer's invoice `move_id`
        (posted, of this customer: never a draft nor a cancelled one), None
        otherwise. The legal PDF Odoo kept when the invoice was sent; else one
        rendered now and kept as Odoo keeps it (the invoice's PDF file), so
        that the next download, and the invoice's form, give the same."""
        move = self.env["account.move"].sudo().browse(move_id).exists()
        if (
            not move
            or move.commercial_partner_id != customer
            or move.state != "posted"
            or move.move_type not in ("out_invoice", "out_refund")
        ):
            return None
        if move.invoice_pdf_report_id:
            attachment = move.invoice_pdf_report_id
            return attachment.name, attachment.raw, "application/pdf"
        content, report_type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(move.company_id)
            ._render_qweb_pdf("account.account_invoices", move.ids)
        )
        if report_type != "pdf":  # test mode renders HTML: nothing to keep
            return f"{move.name}.html", content, "text/html"
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": move._get_invoice_report_filename(),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": move._name,
                    "res_id": move.id,
                    "res_field": "invoice_pdf_report_file",
                }
            )
        )
        move.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        return attachment.name, content, "application/pdf"

    @api.model
    def _get_statement_pdf(self, customer, company):
        """(file name, content, mimetype) of the customer's account statement in
        `company`, in the customer's language."""
        content, report_type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(company)
            .with_context(lang=customer.lang or self.env.lang)
            ._render_qweb_pdf(
                "account_dunning.action_report_dunning_statement", customer.ids
            )
        )
        name = self.env._("Statement")
        if report_type != "pdf":
            return f"{name}.html", content, "text/html"
        return f"{name}.pdf", content, "application/pdf"

    # ------------------------------------------------------------
    # PAYING ONLINE
    # ------------------------------------------------------------

    @api.model
    def _get_payment(self, customer, company, raw_ids):
        """The invoices chosen for an online payment and what they leave to
        pay: (invoices, amount, currency). Refuses invoices that are not the
        customer's open ones and invoices in several currencies."""
        moves = self._get_answer_moves(customer, company, raw_ids)
        if len(moves.currency_id) > 1:
            raise DunningPortalRefusal(
                self.env._("Pay invoices of one currency at a time.")
            )
        currency = moves.currency_id
        return moves, currency.round(sum(moves.mapped("amount_residual"))), currency

    # ------------------------------------------------------------
    # SHARED BY THE ANSWERS
    # ------------------------------------------------------------

    @api.model
    def _get_answer_moves(self, customer, company, raw_ids):
        """The open invoices of the customer in `company` an answer is about;
        refuses none, and ids that are not among them (another customer's,
        paid, draft or cancelled invoices, or no invoice at all)."""
        if isinstance(raw_ids, str | int):
            raw_ids = [raw_ids]
        try:
            ids = {int(value) for value in raw_ids or ()}
        except (TypeError, ValueError):
            ids = None
        if not ids:
            raise DunningPortalRefusal(
                self.env._("Choose the invoices your answer is about.")
            )
        moves = self._get_open_moves(customer, company).filtered(lambda m: m.id in ids)
        if len(moves) != len(ids):
            raise DunningPortalRefusal(
                self.env._(
                    "Some of these invoices are not among your invoices to pay: "
                    "reload the page and choose again."
                )
            )
        return moves

    @api.model
    def _get_responsible(self, customer, company):
        """Who handles the customer's answers: its credit controller, else its
        salesperson, else the company's credit controller, else the
        administrator."""
        return customer.with_company(company)._get_dunning_responsible() or (
            self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env["res.users"].browse(self.env.uid)
        )
