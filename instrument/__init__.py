"""The LOS-in-PW instrument: the model, the item bank, the Delphi stage, questionnaire exports."""
