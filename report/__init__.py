from . import account_dunning_letter
from . import account_dunning_statement
