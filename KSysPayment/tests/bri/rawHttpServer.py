from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

RESPONSE_BODY = b'{"responseCode":"2002700","responseMessage":"Successful"}'


# A plain asyncio HTTP/1.1 server that records every recv of every connection and answers each request
# (read up to its Content-Length) with `status`, any `headers` and RESPONSE_BODY; closeAfter closes the connection
# after each answer without saying so, as a server's idle timeout would; silent never answers; from request dropFrom
# on (counted from 0 over all connections) each request is read whole and its connection closed unanswered.
@dataclass
class RawHttpServer:
    closeAfter: bool = False
    silent: bool = False
    dropFrom: int | None = None
    requests: int = 0
    status: bytes = b"200 OK"
    headers: bytes = b""
    connections: list[list[bytes]] = field(default_factory=list)
    url: str = ""
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chunks: list[bytes] = []
        self.connections.append(chunks)
        buffer = b""
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                chunks.append(chunk)
                buffer += chunk
                head, separator, rest = buffer.partition(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                if not separator or len(rest) < length or self.silent:
                    continue
                buffer = rest[length:]
                self.requests += 1
                if self.dropFrom is not None and self.requests > self.dropFrom:
                    return
                writer.write(b"HTTP/1.1 %s\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s"
                             % (self.status, self.headers, len(RESPONSE_BODY), RESPONSE_BODY))
                await writer.drain()
                if self.closeAfter:
                    return
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def rawHttpServer(server: RawHttpServer, tls: ssl.SSLContext | None = None) -> AsyncIterator[RawHttpServer]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    server.port = listener.sockets[0].getsockname()[1]
    server.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.port}"
    try:
        yield server
    finally:
        listener.close()


# A throwaway CA and a certificate for 127.0.0.1 signed by it: (server context, client context trusting the CA).
def tlsContexts(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    now = datetime.datetime.now(datetime.UTC)
    caKey, serverKey = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    caName = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "KServices test CA")])
    caCert = (x509.CertificateBuilder().subject_name(caName).issuer_name(caName).public_key(caKey.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
              .not_valid_after(now + datetime.timedelta(hours=1))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .sign(caKey, hashes.SHA256()))
    serverCert = (x509.CertificateBuilder()
                  .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
                  .issuer_name(caName).public_key(serverKey.public_key()).serial_number(x509.random_serial_number())
                  .not_valid_before(now - datetime.timedelta(minutes=1))
                  .not_valid_after(now + datetime.timedelta(hours=1))
                  .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                 critical=False)
                  .sign(caKey, hashes.SHA256()))
    (directory / "ca.pem").write_bytes(caCert.public_bytes(serialization.Encoding.PEM))
    (directory / "server.pem").write_bytes(serverCert.public_bytes(serialization.Encoding.PEM))
    (directory / "server.key").write_bytes(serverKey.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    serverContext = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serverContext.load_cert_chain(directory / "server.pem", directory / "server.key")
    return serverContext, ssl.create_default_context(cafile=str(directory / "ca.pem"))
