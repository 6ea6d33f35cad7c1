from weibao.core.site_state import demo_banner_shown


def site(request):
    return {"demo_data_loaded": demo_banner_shown()}
