/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_dashboard_tour", {
    url: "/odoo/action-account_dunning.account_dunning_report_aging_action",
    steps: () => [
        {
            content: "The dashboard opens on the amount due by age",
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Keep the bucket over 90 days",
            trigger: ".o_filter_menu .o-dropdown-item:contains('Over 90 days')",
            run: "click",
        },
        {
            content: "See the figures in a table",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "Click the amount over 90 days",
            trigger: ".o_pivot .o_pivot_cell_value:not(:empty)",
            run: "click",
        },
        {
            content: "The invoices behind the figure",
            trigger: ".o_list_view .o_data_row:contains('Dashboard Customer')",
        },
        {
            content: "Open the invoice",
            trigger: ".o_data_row:contains('Dashboard Customer') button[name='action_open_invoices']",
            run: "click",
        },
        {
            content: "The customer invoices list shows it",
            trigger: ".o_list_view .o_data_row:contains('Dashboard Customer'):contains('2,400.00')",
        },
    ],
});
