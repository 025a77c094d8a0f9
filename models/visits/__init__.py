"""Home visits (探访): the record of each visit and the schedule that makes them due."""
