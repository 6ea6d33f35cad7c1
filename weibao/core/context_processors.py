from weibao.core.models import SiteState


def site(request):
    return {"demo_data_loaded": SiteState.demo_loaded()}
