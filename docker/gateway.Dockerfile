# OpenResty gateway with the three built frontends.
FROM node:20-bookworm-slim AS frontends
# build (production) or build:dev (with the development tools, such as the payment page's simulate button).
ARG FRONTEND_BUILD=build
WORKDIR /build
COPY . .
RUN if [ -f package.json ]; then npm ci && npm run "$FRONTEND_BUILD"; fi \
    && mkdir -p /www && for app in auth:KAuthApp payment:KSysPayment admin:KSysAdmin; do \
         src="${app#*:}/frontend/dist"; [ -f "$src/index.html" ] || src=nginx/placeholder; \
         cp -r "$src" "/www/${app%%:*}"; done

FROM openresty/openresty:1.25.3.2-bookworm
COPY nginx /kservices/nginx
COPY docker/gatewayEntrypoint.sh docker/gatewayValues.sh /kservices/
COPY --from=frontends /www /kservices/www
# nginx runs unprivileged, master included: it writes only its run directory (config, pid, temp files; the
# entrypoint links its logs there to the container's stdout and stderr).
RUN useradd --system --uid 10002 --no-create-home --shell /usr/sbin/nologin kgateway \
    && mkdir -p /kservices/run && chown kgateway /kservices/run
USER kgateway
ENTRYPOINT ["/bin/sh", "/kservices/gatewayEntrypoint.sh"]
