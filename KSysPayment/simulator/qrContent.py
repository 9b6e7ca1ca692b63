from __future__ import annotations


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def crc16Ccitt(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def emvQrContent(*, merchantId: str, terminalId: str, amount: int, referenceNo: str) -> str:
    # A plausible QRIS MPM dynamic payload (EMVCo TLV, CRC16-CCITT), for development only.
    merchantInfo = tlv("00", "ID.CO.BRI.WWW") + tlv("01", "93600002" + merchantId[-10:].rjust(10, "0"))
    body = (
        tlv("00", "01") + tlv("01", "12") + tlv("26", merchantInfo) + tlv("52", "5999")
        + tlv("53", "360") + tlv("54", str(amount)) + tlv("58", "ID") + tlv("59", "KSERVICES SIMULATOR")
        + tlv("60", "JAKARTA") + tlv("62", tlv("01", referenceNo) + tlv("07", terminalId[:25] or "A01"))
        + "6304"
    )
    return body + f"{crc16Ccitt(body.encode('ascii')):04X}"
