FROM node:20 AS base
MAINTAINER Ferry Team <team@example.com>
ONBUILD COPY package*.json /app/
ONBUILD RUN npm ci
ONBUILD COPY . /app
HEALTHCHECK NONE
ENV NODE_ENV production
