from . import account_dunning_letter
from . import account_dunning_statement
from . import account_dunning_litigation_sheet
