import pandas as pd

from analytics.display import privacy


def test_masks_keep_nothing_identifying():
    df = pd.DataFrame({"loan_id": ["L00012345", "AB"], "borrower_name": ["王伟", "Mary Smith"],
                       "phone": ["13812345678", "(555) 1234567"], "balance": [1.0, 2.0]})
    out = privacy.mask_frame(df)
    assert out["loan_id"].tolist() == ["•••••2345", "•B"]
    assert out["borrower_name"].tolist() == ["王*", "M*** S****"]
    assert out["phone"].tolist() == ["*********78", "********67"]
    assert out["balance"].tolist() == [1.0, 2.0]
    # the input is not changed
    assert df["loan_id"].iloc[0] == "L00012345"


def test_missing_values_stay_missing():
    out = privacy.mask_frame(pd.DataFrame({"loan_id": [None], "phone": [float("nan")]}))
    assert out["loan_id"].iloc[0] is None and pd.isna(out["phone"].iloc[0])
