# expect: reber.dataset
del generate_dataset
