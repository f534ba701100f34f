from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.experiment_out import ExperimentOut
  from ..models.results_out_comparisons_item import ResultsOutComparisonsItem
  from ..models.results_out_offline import ResultsOutOffline
  from ..models.results_out_srm_type_0 import ResultsOutSrmType0
  from ..models.results_out_variants_item import ResultsOutVariantsItem





T = TypeVar("T", bound="ResultsOut")



@_attrs_define
class ResultsOut:
    """ 
        Attributes:
            alpha (float):
            comparisons (list[ResultsOutComparisonsItem]): Each variant against the control, per metric: estimate (relative
                lift, or interleaving preference), ci (fixed horizon, reference only), always_valid (peeking-safe) and decision
                (better, worse or undecided).
            enough_readers (bool):
            experiment (ExperimentOut):
            frozen (bool): true once stopped: the readout at the stop.
            min_readers (int):
            mixture_scale (float):
            mode (str):
            primary_metric (str):
            variants (list[ResultsOutVariantsItem]): Per variant: readers, counts, and each metric's value and 95% interval
                (delta method over readers).
            winner (None | str):
            offline (ResultsOutOffline | Unset): variant → the model versions that ranked its feeds, with their offline
                metrics.
            srm (None | ResultsOutSrmType0 | Unset): Sample-ratio mismatch check (split only).
     """

    alpha: float
    comparisons: list[ResultsOutComparisonsItem]
    enough_readers: bool
    experiment: ExperimentOut
    frozen: bool
    min_readers: int
    mixture_scale: float
    mode: str
    primary_metric: str
    variants: list[ResultsOutVariantsItem]
    winner: None | str
    offline: ResultsOutOffline | Unset = UNSET
    srm: None | ResultsOutSrmType0 | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.experiment_out import ExperimentOut # noqa: PLC0415
        from ..models.results_out_comparisons_item import ResultsOutComparisonsItem # noqa: PLC0415
        from ..models.results_out_offline import ResultsOutOffline # noqa: PLC0415
        from ..models.results_out_srm_type_0 import ResultsOutSrmType0 # noqa: PLC0415
        from ..models.results_out_variants_item import ResultsOutVariantsItem # noqa: PLC0415
        alpha = self.alpha

        comparisons = []
        for comparisons_item_data in self.comparisons:
            comparisons_item = comparisons_item_data.to_dict()
            comparisons.append(comparisons_item)



        enough_readers = self.enough_readers

        experiment = self.experiment.to_dict()

        frozen = self.frozen

        min_readers = self.min_readers

        mixture_scale = self.mixture_scale

        mode = self.mode

        primary_metric = self.primary_metric

        variants = []
        for variants_item_data in self.variants:
            variants_item = variants_item_data.to_dict()
            variants.append(variants_item)



        winner: None | str
        winner = self.winner

        offline: dict[str, Any] | Unset = UNSET
        if not isinstance(self.offline, Unset):
            offline = self.offline.to_dict()

        srm: dict[str, Any] | None | Unset
        if isinstance(self.srm, Unset):
            srm = UNSET
        elif isinstance(self.srm, ResultsOutSrmType0):
            srm = self.srm.to_dict()
        else:
            srm = self.srm


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "alpha": alpha,
            "comparisons": comparisons,
            "enough_readers": enough_readers,
            "experiment": experiment,
            "frozen": frozen,
            "min_readers": min_readers,
            "mixture_scale": mixture_scale,
            "mode": mode,
            "primary_metric": primary_metric,
            "variants": variants,
            "winner": winner,
        })
        if offline is not UNSET:
            field_dict["offline"] = offline
        if srm is not UNSET:
            field_dict["srm"] = srm

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.experiment_out import ExperimentOut # noqa: PLC0415
        from ..models.results_out_comparisons_item import ResultsOutComparisonsItem # noqa: PLC0415
        from ..models.results_out_offline import ResultsOutOffline # noqa: PLC0415
        from ..models.results_out_srm_type_0 import ResultsOutSrmType0 # noqa: PLC0415
        from ..models.results_out_variants_item import ResultsOutVariantsItem # noqa: PLC0415
        d = dict(src_dict)
        alpha = d.pop("alpha")

        comparisons = []
        _comparisons = d.pop("comparisons")
        for comparisons_item_data in (_comparisons):
            comparisons_item = ResultsOutComparisonsItem.from_dict(comparisons_item_data)



            comparisons.append(comparisons_item)


        enough_readers = d.pop("enough_readers")

        experiment = ExperimentOut.from_dict(d.pop("experiment"))




        frozen = d.pop("frozen")

        min_readers = d.pop("min_readers")

        mixture_scale = d.pop("mixture_scale")

        mode = d.pop("mode")

        primary_metric = d.pop("primary_metric")

        variants = []
        _variants = d.pop("variants")
        for variants_item_data in (_variants):
            variants_item = ResultsOutVariantsItem.from_dict(variants_item_data)



            variants.append(variants_item)


        def _parse_winner(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        winner = _parse_winner(d.pop("winner"))


        _offline = d.pop("offline", UNSET)
        offline: ResultsOutOffline | Unset
        if isinstance(_offline,  Unset):
            offline = UNSET
        else:
            offline = ResultsOutOffline.from_dict(_offline)




        def _parse_srm(data: object) -> None | ResultsOutSrmType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                srm_type_0 = ResultsOutSrmType0.from_dict(data)



                return srm_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResultsOutSrmType0 | Unset, data)

        srm = _parse_srm(d.pop("srm", UNSET))


        results_out = cls(
            alpha=alpha,
            comparisons=comparisons,
            enough_readers=enough_readers,
            experiment=experiment,
            frozen=frozen,
            min_readers=min_readers,
            mixture_scale=mixture_scale,
            mode=mode,
            primary_metric=primary_metric,
            variants=variants,
            winner=winner,
            offline=offline,
            srm=srm,
        )

        return results_out

