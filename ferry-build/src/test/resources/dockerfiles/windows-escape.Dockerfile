# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
COPY setup.ps1 C:\setup\
RUN C:\setup\setup.ps1 `
    -Verbose
WORKDIR C:\app
CMD C:\app\run.cmd
