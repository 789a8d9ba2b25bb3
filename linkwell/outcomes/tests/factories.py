import factory
from django.utils import timezone

from linkwell.cases.tests.factories import EpisodeFactory
from linkwell.outcomes.models import DueMeasure, Occasion, QuestionnaireResponse


class DueMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DueMeasure

    episode = factory.SubFactory(EpisodeFactory)
    instrument_code = "swemwbs"
    occasion = Occasion.BASELINE
    due_on = factory.LazyFunction(timezone.localdate)


class QuestionnaireResponseFactory(factory.django.DjangoModelFactory):
    """A stored response; prefer ``services.response_record`` where scoring matters."""

    class Meta:
        model = QuestionnaireResponse
        skip_postgeneration_save = True

    episode = factory.SubFactory(EpisodeFactory)
    instrument_code = "swemwbs"
    occasion = Occasion.ADHOC
    answers = factory.LazyFunction(lambda: [3] * 7)
    complete = True
    total = 21
    completed_at = factory.LazyFunction(timezone.now)
    self_completed = True

    @factory.post_generation
    def summary(obj, create, extracted, **kwargs):  # noqa: N805  # factory_boy's hook signature
        """Keep the episode's measure summary as response_record does."""
        if create:
            from linkwell.outcomes.services import measure_summary_refresh

            measure_summary_refresh(episode=obj.episode, instrument_code=obj.instrument_code)
