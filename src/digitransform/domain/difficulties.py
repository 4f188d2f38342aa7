"""The vocabulary of citizens' difficulties: barriers, digital services and resolution types.

Codes are stable public contract (files, the API and stored tickets use them); labels are for people,
Vietnamese first.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["Barrier", "DigitalService", "Label", "ResolutionType", "label_of"]


@attrs.frozen(slots=True)
class Label:
    """A human label in Vietnamese and English."""

    vi: str
    en: str


class Barrier(enum.Enum):
    """A category of difficulty that keeps a citizen from using a digital service."""

    NO_DEVICE = "no_device"
    DEVICE_COST = "device_cost"
    SERVICE_COST = "service_cost"
    POOR_COVERAGE = "poor_coverage"
    LACK_OF_SKILLS = "lack_of_skills"
    AGE_FEAR_LOW_CONFIDENCE = "age_fear_low_confidence"
    FRAUD_SCAM_FEAR = "fraud_scam_fear"
    PRIVACY_CONCERN = "privacy_concern"
    DISABILITY = "disability"
    LANGUAGE_ETHNIC_MINORITY = "language_ethnic_minority"
    LOW_LITERACY = "low_literacy"
    NOT_INTERESTED = "not_interested"
    ACCOUNT_IDENTITY_PROBLEM = "account_identity_problem"
    SERVICE_OR_APP_FAULT = "service_or_app_fault"
    OTHER = "other"

    @property
    def label(self) -> Label:
        return _BARRIER_LABELS[self]


class DigitalService(enum.Enum):
    """The digital service a difficulty is about."""

    VNEID = "vneid"
    PUBLIC_SERVICE_PORTAL = "public_service_portal"
    E_PAYMENT = "e_payment"
    E_COMMERCE = "e_commerce"
    HEALTH_INSURANCE_RECORDS = "health_insurance_records"
    SOCIAL_MEDIA = "social_media"
    OTHER = "other"

    @property
    def label(self) -> Label:
        return _SERVICE_LABELS[self]


class ResolutionType(enum.Enum):
    """How a difficulty was resolved. On-the-spot solutions still count as demand."""

    ON_THE_SPOT = "on_the_spot"
    FOLLOW_UP = "follow_up"
    ESCALATED = "escalated"
    SYSTEMIC = "systemic"

    @property
    def label(self) -> Label:
        return _RESOLUTION_LABELS[self]


_BARRIER_LABELS = {
    Barrier.NO_DEVICE: Label("Không có thiết bị thông minh", "No smart device"),
    Barrier.DEVICE_COST: Label("Chi phí thiết bị cao", "Device cost"),
    Barrier.SERVICE_COST: Label("Chi phí dịch vụ viễn thông cao", "Service (data) cost"),
    Barrier.POOR_COVERAGE: Label("Sóng di động, Internet yếu", "Poor network coverage"),
    Barrier.LACK_OF_SKILLS: Label("Thiếu kỹ năng số", "Lack of digital skills"),
    Barrier.AGE_FEAR_LOW_CONFIDENCE: Label("Người cao tuổi, e ngại công nghệ", "Age, fear or low confidence"),
    Barrier.FRAUD_SCAM_FEAR: Label("Sợ bị lừa đảo trực tuyến", "Fear of fraud and scams"),
    Barrier.PRIVACY_CONCERN: Label("Lo ngại lộ thông tin cá nhân", "Privacy concern"),
    Barrier.DISABILITY: Label("Khuyết tật", "Disability"),
    Barrier.LANGUAGE_ETHNIC_MINORITY: Label(
        "Rào cản ngôn ngữ (đồng bào dân tộc, ví dụ Khmer)", "Language / ethnic minority"
    ),
    Barrier.LOW_LITERACY: Label("Hạn chế đọc viết", "Low literacy"),
    Barrier.NOT_INTERESTED: Label("Chưa có nhu cầu", "Not interested"),
    Barrier.ACCOUNT_IDENTITY_PROBLEM: Label(
        "Vướng mắc tài khoản, định danh (VNeID, ngân hàng)", "Account or identity problem"
    ),
    Barrier.SERVICE_OR_APP_FAULT: Label(
        "Lỗi cổng dịch vụ, ứng dụng, thủ tục chưa rõ", "Service or app fault"
    ),
    Barrier.OTHER: Label("Khác", "Other"),
}

_SERVICE_LABELS = {
    DigitalService.VNEID: Label("Định danh điện tử VNeID", "VNeID electronic identity"),
    DigitalService.PUBLIC_SERVICE_PORTAL: Label("Cổng dịch vụ công trực tuyến", "Public service portal"),
    DigitalService.E_PAYMENT: Label("Thanh toán điện tử, mã QR", "E-payment and QR codes"),
    DigitalService.E_COMMERCE: Label("Thương mại điện tử", "E-commerce"),
    DigitalService.HEALTH_INSURANCE_RECORDS: Label(
        "Bảo hiểm y tế, sổ sức khỏe điện tử", "Health insurance and records"
    ),
    DigitalService.SOCIAL_MEDIA: Label("Mạng xã hội", "Social media"),
    DigitalService.OTHER: Label("Khác", "Other"),
}

_RESOLUTION_LABELS = {
    ResolutionType.ON_THE_SPOT: Label("Hướng dẫn giải quyết tại chỗ", "Solved on the spot"),
    ResolutionType.FOLLOW_UP: Label("Giải quyết sau khi quay lại hỗ trợ", "Solved on a follow-up"),
    ResolutionType.ESCALATED: Label(
        "Chuyển cơ quan, đơn vị ngoài tổ (nhà mạng, cổng dịch vụ, công an)",
        "Escalated outside the team",
    ),
    ResolutionType.SYSTEMIC: Label(
        "Vấn đề hệ thống, không giải quyết được tại địa phương", "Systemic, not solvable locally"
    ),
}


def label_of(code: Barrier | DigitalService | ResolutionType) -> Label:
    """The label of any code in the difficulty vocabulary."""
    return code.label
