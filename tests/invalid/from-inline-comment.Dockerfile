FROM python:3.9 AS builder #name
