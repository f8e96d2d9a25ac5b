"""The customer's page of the reminders, opened without login from the link of
every reminder (/my/reminders/<token>, /rl/<code> on letters). The routes read
the request and render; `account.dunning.portal` and
`account.dunning.portal.answer` decide."""

from datetime import timedelta

from werkzeug.exceptions import NotFound

from odoo import Command, fields, http
from odoo.exceptions import ValidationError
from odoo.http import content_disposition, request

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers.portal import PaymentPortal

from ..models.account_dunning_portal import DunningPortalRefusal
from ..models.account_dunning_portal_answer import MAX_UPLOAD_SIZE

# The answer forms: route suffix -> method of account.dunning.portal.answer
ANSWERS = {
    "promise": "_record_promise",
    "dispute": "_record_dispute",
    "paid": "_record_paid",
    "plan": "_record_plan",
}


class DunningCustomerPortal(PaymentPortal):
    # ------------------------------------------------------------
    # PAGES
    # ------------------------------------------------------------

    @http.route(
        "/my/reminders/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def dunning_portal_page(self, token, company=None, done=None, **kwargs):
        customer, company = self._dunning_open(token, company)
        return self._dunning_render(
            customer,
            company,
            token,
            done=done if done in (*ANSWERS, "payment") else None,
            pay_ids=request.httprequest.args.getlist("invoice_ids"),
        )

    @http.route(
        "/rl/<string:code>", type="http", auth="public", website=True, sitemap=False
    )
    def dunning_portal_short_link(self, code, **kwargs):
        """The short link printed on letters (typed or scanned)."""
        Portal = request.env["account.dunning.portal"].sudo()
        customer = Portal._get_customer(code)
        if not customer:
            raise NotFound()
        return request.redirect(f"/my/reminders/{Portal._normalize_token(code)}")

    @http.route(
        "/my/reminders/<string:token>/invoice/<int:move_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def dunning_portal_invoice(self, token, move_id, **kwargs):
        customer, _company = self._dunning_open(token)
        document = (
            request.env["account.dunning.portal"]
            .sudo()
            ._get_invoice_pdf(customer, move_id)
        )
        if not document:
            raise NotFound()
        return self._dunning_file(*document)

    @http.route(
        "/my/reminders/<string:token>/statement",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def dunning_portal_statement(self, token, company=None, **kwargs):
        customer, company = self._dunning_open(token, company)
        document = (
            request.env["account.dunning.portal"]
            .sudo()
            ._get_statement_pdf(customer, company)
        )
        return self._dunning_file(*document)

    # ------------------------------------------------------------
    # ANSWERS
    # ------------------------------------------------------------

    @http.route(
        [f"/my/reminders/<string:token>/{answer}" for answer in ANSWERS],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def dunning_portal_answer(self, token, **kwargs):
        """An answer form (CSRF-checked as every form of Odoo's portal): recorded
        and the page shown again with a thank-you, or the page with the
        refusal's plain message and the form as it was filled."""
        answer = request.httprequest.path.rstrip("/").rsplit("/", 1)[-1]
        customer, company = self._dunning_open(token, kwargs.get("company"))
        form = request.httprequest.form
        values = {key: form.get(key) for key in form if key != "csrf_token"}
        values["move_ids"] = form.getlist("move_ids")
        files = [
            (storage.filename, storage.read(MAX_UPLOAD_SIZE + 1))
            for storage in request.httprequest.files.getlist("attachment")
            if storage.filename
        ]
        Answer = request.env["account.dunning.portal.answer"].sudo()
        try:
            getattr(Answer, ANSWERS[answer])(customer, company, values, files)
        except DunningPortalRefusal as refusal:
            return self._dunning_render(
                customer,
                company,
                token,
                error=refusal.args[0],
                error_answer=answer,
                form=values,
                status=400,
            )
        return request.redirect(
            f"/my/reminders/{token}?company={company.id}&done={answer}#answers"
        )

    # ------------------------------------------------------------
    # PAYING ONLINE (Odoo's payment form and flow)
    # ------------------------------------------------------------

    @http.route(
        "/my/reminders/<string:token>/transaction/<int:company_id>/<string:selection>",
        type="json",
        auth="public",
    )
    def dunning_portal_transaction(
        self, token, company_id, selection, access_token=None, **kwargs
    ):
        """Create the transaction of the invoices chosen on the page (linked to
        them, so that Odoo reconciles its payment with them on success) and
        return its processing values, as Odoo's invoice page does."""
        Portal = request.env["account.dunning.portal"].sudo()
        customer = Portal._get_customer(token)
        if not customer:
            raise ValidationError(request.env._("This link is not valid."))
        company = Portal._get_company(customer, company_id)
        try:
            moves, amount, currency = Portal._get_payment(
                customer, company, selection.split("-")
            )
        except DunningPortalRefusal as refusal:
            raise ValidationError(refusal.args[0]) from None
        if not payment_utils.check_access_token(
            access_token, customer.id, amount, currency.id
        ):
            raise ValidationError(
                request.env._(
                    "The amounts to pay changed in the meantime: reload the page."
                )
            )
        self._validate_transaction_kwargs(kwargs)
        if kwargs.get("flow") == "token" or kwargs.get("is_validation"):
            raise ValidationError(request.env._("Choose a payment method."))
        kwargs.pop("amount", None)
        kwargs.update(
            tokenization_requested=False,
            landing_route=f"/my/reminders/{token}?company={company.id}&done=payment",
        )
        tx_sudo = self._create_transaction(
            amount=amount,
            currency_id=currency.id,
            partner_id=customer.id,
            custom_create_values={"invoice_ids": [Command.set(moves.ids)]},
            **kwargs,
        )
        return tx_sudo._get_processing_values()

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _dunning_open(self, token, company_id=None):
        """The customer of the link and the company whose invoices are shown,
        in the customer's language; 404 for a wrong, revoked or expired link
        (nothing said about why)."""
        Portal = request.env["account.dunning.portal"].sudo()
        customer = Portal._get_customer(token)
        if not customer:
            raise NotFound()
        company = Portal._get_company(customer, self._cast_as_int(company_id))
        installed = {code for code, _name in request.env["res.lang"].get_installed()}
        lang = next(
            (
                code
                for code in (customer.lang, company.partner_id.lang)
                if code in installed
            ),
            None,
        )
        if lang:
            request.update_context(lang=lang)
            request.lang = request.env["res.lang"]._get_data(code=lang)
            # the pages of the payment flow that follow speak it too
            request.future_response.set_cookie("frontend_lang", lang)
        return customer, company

    def _dunning_render(
        self,
        customer,
        company,
        token,
        done=None,
        error=None,
        error_answer=None,
        form=None,
        pay_ids=None,
        status=200,
    ):
        Portal = request.env["account.dunning.portal"].sudo()
        values = Portal._get_page_values(customer, company)
        values.update(
            token=token,
            base_url=f"/my/reminders/{token}",
            done=done,
            error=error,
            error_answer=error_answer,
            form=form or {},
            no_breadcrumbs=True,
            res_company=company,
            page_name="dunning_portal",
        )
        if done == "payment":
            # back from Odoo's payment flow: what became of the customer's
            # payments of the last hour
            values["transactions"] = (
                request.env["payment.transaction"]
                .sudo()
                .search(
                    [
                        ("partner_id", "=", customer.id),
                        (
                            "create_date",
                            ">",
                            fields.Datetime.now() - timedelta(hours=1),
                        ),
                    ],
                    order="id desc",
                )
            )
        values.update(self._dunning_payment_values(customer, company, token, pay_ids))
        return request.render(
            "account_dunning.portal_dunning_page", values, status=status
        )

    def _dunning_payment_values(self, customer, company, token, pay_ids):
        """Odoo's payment form for the invoices chosen (all the open ones at
        first), when the company offers a payment provider."""
        Portal = request.env["account.dunning.portal"].sudo()
        moves = Portal._get_open_moves(customer, company)
        if not moves:
            return {}
        chosen = moves.filtered(lambda m: str(m.id) in set(pay_ids or ()))
        if not chosen:
            # at first the overdue invoices (else all), in one currency
            today = Portal._get_today(company)
            chosen = moves.filtered(lambda m: m.invoice_date_due < today) or moves
            chosen = chosen.filtered(lambda m: m.currency_id == chosen[:1].currency_id)
        try:
            chosen, amount, currency = Portal._get_payment(
                customer, company, chosen.ids
            )
        except DunningPortalRefusal as refusal:
            return {"pay_error": refusal.args[0], "pay_ids": chosen.ids}
        report = {}
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id, customer.id, amount, currency_id=currency.id, report=report
            )
        )
        methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids, customer.id, currency_id=currency.id, report=report
            )
        )
        if not methods_sudo:
            return {"pay_ids": chosen.ids}
        return {
            "pay_ids": chosen.ids,
            "pay_available": True,
            "pay_amount": amount,
            "pay_currency": currency,
            # Odoo's payment form (payment.form)
            "mode": "payment",
            "amount": amount,
            "currency": currency,
            "partner_id": customer.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": methods_sudo,
            # saved cards are the customer's: not offered to whoever holds a link
            "tokens_sudo": request.env["payment.token"].sudo(),
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "availability_report": report,
            "transaction_route": f"/my/reminders/{token}/transaction/{company.id}/"
            + "-".join(str(move_id) for move_id in chosen.ids),
            "landing_route": f"/my/reminders/{token}?company={company.id}&done=payment",
            "access_token": payment_utils.generate_access_token(
                customer.id, amount, currency.id
            ),
        }

    def _dunning_file(self, name, content, mimetype):
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(name)),
            ],
        )
